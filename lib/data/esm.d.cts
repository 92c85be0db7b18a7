/** Dynamic `import()` that survives compilation to CommonJS (see esm.cjs). */
export declare function importEsm<T = unknown>(specifier: string): Promise<T>;
