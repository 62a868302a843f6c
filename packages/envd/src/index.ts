export { createEnvd, type Envd } from "./envd.js";
export { parseConfig, ENVD_DEFAULT_PORT, type EnvdConfig } from "./config.js";
