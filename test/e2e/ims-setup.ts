import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import { seedSpec, type Spec } from "../support/seed";
import type { StoreTarget } from "../support/targets";
import { TestProject } from "./harness";

/** The fixture domain.xml the IMS e2e tests start from. */
export const ORIGINAL = fixture("domain.xml");
/** The program that builds the IMS tree described by its `spec` config. */
export const PROGRAM = path.join(__dirname, "programs", "ims");

export type { Spec } from "../support/seed";
/** The SPEC's asadmin sequence: two virtualizations, a pool, its user, two machines, a machine user. */
export const BASE: Spec = seedSpec();
/** A deep copy of a spec, to change in a test. */
export const clone = (s: Spec): Spec => JSON.parse(JSON.stringify(s));

/** A temp domain and a project of the ims program on it; `start` creates the stack. */
export function setup(target?: StoreTarget) {
  const domain = tempDomain(ORIGINAL);
  let project: TestProject;
  return {
    domain,
    get project() {
      return project;
    },
    async start(spec: Spec, program = PROGRAM) {
      project = await TestProject.create(program);
      await project.config("domainXml", domain.file);
      await project.config("spec", JSON.stringify(spec));
      const { connection } = target?.inputs() ?? {};
      if (connection) {
        await project.ok(["config", "set", "--secret", "connection", JSON.stringify(connection)]);
      }
    },
    spec: (s: Spec) => project.config("spec", JSON.stringify(s)),
    cleanup() {
      project?.cleanup();
      domain.cleanup();
    },
  };
}
