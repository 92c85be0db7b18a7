/** The `require` of lib/rewards/node_require.cjs (see there). */
export declare const nodeRequire: NodeJS.Require;
