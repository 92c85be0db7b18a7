/** Observable Plot (the UMD bundle; see plot_runtime.cjs), typed as the package itself. */
import type * as PlotModule from '@observablehq/plot';
export declare const Plot: typeof PlotModule;
