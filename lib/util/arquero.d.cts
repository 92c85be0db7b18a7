/** arquero (its UMD bundle; see arquero.cjs), typed as the package itself. */
import type * as Arquero from 'arquero';
export declare const aq: typeof Arquero;
