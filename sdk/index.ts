export { Virtualization, type VirtualizationArgs, type Emulator } from "./virtualization";
