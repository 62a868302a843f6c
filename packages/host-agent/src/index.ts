export { startAgent, type Agent } from "./agent.js";
export { parseAgentConfig, AGENT_DEFAULT_PORT, type AgentConfig } from "./config.js";
export type { Logger } from "./capsules/internals.js";
export { stderrJsonLogger } from "./util/json-logger.js";
export { ImageStore, type ImageInfo } from "./images/index.js";
