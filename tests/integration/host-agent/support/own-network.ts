// Moved to @wrenn/testkit so every test agent (host agent, control plane, e2e) can use it.
export { ownNetwork } from "@wrenn/testkit";
