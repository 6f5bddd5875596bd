import { stringify } from "yaml";
import type { NormDict } from "../stages/stats.js";
import { writeFileAtomic } from "./atomic-write.js";

export interface SaltConfigInput {
  /** The dataset SALT slices by (the run's global group). */
  globalGroup: string;
  labelField: string;
  classes: readonly string[];
  /** The normalised inputs, group by group: the variables SALT feeds its model. */
  normDict: NormDict;
  files: { train: string; val: string; test: string; normDict: string; classDict: string };
  version: string;
}

/**
 * The SALT `data:` block for a run's outputs, to pass to SALT as a second config
 * (`salt fit --config model.yaml --config salt_config.yaml`): the global object, the variables per
 * input (the global group's under `global`, which SALT appends to the pooled representation and
 * normalises with the global object's norm_dict entry), the files and the dicts. The task's label
 * and class names live in the model part of a SALT config; the header comment gives them.
 */
export function saltConfigYaml(input: SaltConfigInput): string {
  const variables: Record<string, string[]> = {};
  for (const [group, fields] of Object.entries(input.normDict)) variables[group === input.globalGroup ? "global" : group] = Object.keys(fields);
  const data = {
    data: {
      global_object: input.globalGroup,
      variables,
      train_file: input.files.train,
      val_file: input.files.val,
      test_file: input.files.test,
      norm_dict: input.files.normDict,
      class_dict: input.files.classDict,
    },
  };
  const header = [
    `# SALT data configuration written by sxflow ${input.version}; use it as a second config:`,
    "#   salt fit --config <model>.yaml --config salt_config.yaml",
    `# Classification task: label: ${input.labelField}, class_names: [${input.classes.join(", ")}]`,
    `# (${input.classes.length} classes; set use_class_dict: true to weight the loss with class_dict.yaml)`,
  ];
  return `${header.join("\n")}\n${stringify(data)}`;
}

export async function writeSaltConfig(file: string, input: SaltConfigInput): Promise<void> {
  await writeFileAtomic(file, saltConfigYaml(input));
}
