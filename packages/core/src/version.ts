/** Version of every Wrenn program in this tree; bumped together. */
export const WRENN_VERSION = "0.1.0";
