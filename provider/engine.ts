// The seam with the Pulumi engine: the types every resource implements (declared in
// engine-types.ts) and what the provider plugin (plugin/) takes of the resource code and the
// domain model. The plugin imports resources/ and domain/ only through this module
// (test/unit/layers.test.ts holds it to that); provider/ never imports Pulumi.
export type {
  CheckFailure,
  CheckResult,
  CreateResult,
  DiffResult,
  ReadResult,
  ResourceModule,
  ResourceOperations,
  UpdateResult,
} from "./engine-types";

// What the plugin's wire values and checks share with the resource rules.
export { hideSecrets, isUnknown, nameRule, UNKNOWN } from "./resources/rules";
// Resource IDs (`<domain.xml>#<kind>/<name>`), for parents given by ID and import documents.
export { parseId, resourceId, type IdForm, type ParentLink } from "./resources/ids";
// The registry of the kinds: their ID forms and parents.
export { ancestorsOf, KINDS, kindNamed } from "./resources/kinds";
// The create journal's input: the resource's URN.
export { URN_INPUT } from "./resources/journal";
// The domain model, for the `pulumi import --file` document of a whole domain.
export { getAttribute } from "./domain/attrs";
export {
  findVirtualizations,
  LIBVIRT_VIRTUALIZATION,
  MACHINES,
  SERVER_POOL,
  USER,
  VIRTUALIZATIONS,
} from "./domain/ims";
export { childElements, type XmlDocument, type XmlElement } from "./domain/xml";
