// The one rule of the network lab: whatever sends to lab addresses runs inside a lab network
// namespace (one of the gfims-* names in /run/netns). From the machine's own namespace those
// addresses would leave the machine. Runners call this before anything else.
const { readdirSync, statSync } = require("fs");

// No /run/netns (no namespace was ever made, or iproute2 is missing) means no lab: refuse too.
function labNamespaces() {
  try {
    return readdirSync("/run/netns");
  } catch (e) {
    if (e.code === "ENOENT") return [];
    throw e;
  }
}

function assertInsideLabNamespace() {
  const mine = statSync("/proc/self/ns/net").ino;
  const labs = labNamespaces()
    .filter((n) => n.startsWith("gfims-"))
    .map((n) => statSync(`/run/netns/${n}`).ino);
  if (!labs.includes(mine)) {
    console.error(
      "refusing to probe lab addresses outside a lab network namespace (use Lab.exec / ip netns exec)",
    );
    process.exit(3);
  }
}

module.exports = { assertInsideLabNamespace };
