import { z } from 'zod';

/**
 * Pipeline format v1: the one definition of a *.cellflow.yaml file. The linter validates against it,
 * the build turns it into the JSON Schema the YAML extension uses, and descriptions feed hovers.
 */
export const PIPELINE_FORMAT_VERSION = 1;

const identifier = (what: string) =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, {
    error: `${what} must start with a letter or _ and contain only letters, digits, _ and -`,
  });

const pythonName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: 'a name a step reads or writes must be a Python identifier',
});

const relativePath = (what: string) =>
  z
    .string()
    .min(1, { error: `${what} must not be empty` })
    // A regex rather than a refinement so that the JSON Schema carries the rule too.
    .regex(/^(?![\\/])(?![A-Za-z]:[\\/])/, { error: `${what} must be relative to the pipeline file, not absolute` });

export const contentHash = z.string().regex(/^sha256:[0-9a-f]{64}$/, {
  error: 'a content hash is `sha256:` followed by 64 lowercase hex digits',
});

export const CellRef = z
  .strictObject({
    index: z.int().min(0, { error: 'a cell index is 0 or more' }).describe('0-based position of the cell among all cells of the notebook when it was promoted.'),
    id: z.string().min(1, { error: 'a cell id must not be empty' }).optional().describe('The cell id (nbformat 4.5+); absent for older notebooks.'),
    hash: contentHash.optional().describe('Content hash of this cell\'s normalized source, used to find the cell again when ids are absent.'),
  })
  .describe('One notebook cell a step was promoted from.');

export const StepSource = z
  .strictObject({
    notebook: relativePath('the source notebook path').describe('The notebook the step was promoted from, relative to the pipeline file.'),
    cells: z.array(CellRef).min(1, { error: 'a step source needs at least one cell' }).describe('The promoted cells, in notebook order.'),
    hash: contentHash.describe('Content hash of the promoted cells\' normalized source; a change makes a new version.'),
  })
  .describe('Where the step came from: a notebook and its cells.');

const paramScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const ParamValue = z
  .union([paramScalar, z.array(paramScalar)], {
    error: 'a param value must be a string, number, boolean, null or a list of those',
  })
  .describe('A pipeline parameter value.');

const bound = z.number();
export const ColumnCheck = z
  .strictObject({
    type: z.enum(['int', 'float', 'number', 'str', 'bool', 'datetime', 'category']).optional().describe('The column\'s type: int, float, number (either), str, bool, datetime or category.'),
    nulls: z.union([z.int().min(0), z.string().regex(/^\d+(\.\d+)?%$/, { error: 'nulls is a count (0) or a share ("1%")' })]).optional().describe('The most missing values allowed (NaN, None, NaT), as a count or a share ("1%").'),
    min: bound.optional().describe('The smallest value allowed.'),
    max: bound.optional().describe('The largest value allowed.'),
    values: z.array(z.union([z.string(), z.number(), z.boolean()])).optional().describe('The only values allowed.'),
    unique: z.boolean().optional().describe('No value may appear twice.'),
  })
  .describe('Checks of one column of a table output.');

export const OutputChecks = z
  .strictObject({
    rows: z.strictObject({ min: z.int().min(0).optional(), max: z.int().min(0).optional() }).optional().describe('How many rows the output may have.'),
    columns: z.record(z.string(), ColumnCheck).optional().describe('Checks per column, by name.'),
    fresh: z
      .strictObject({
        column: z.string().describe('A datetime column.'),
        max_age: z.string().regex(/^\d+(s|m|h|d)$/, { error: 'max_age is a number and a unit: 30d, 12h, 15m, 90s' }).describe('How old its newest value may be: 30d, 12h, 15m or 90s.'),
      })
      .optional()
      .describe('The newest value of a datetime column is recent.'),
  })
  .describe('Validation checks of one output; a failing one fails the step and stops what depends on it.');

export const Step = z
  .strictObject({
    id: identifier('a step id').describe('Unique id of the step within the pipeline.'),
    description: z.string().optional().describe('What the step does.'),
    version: z.int().min(1, { error: 'a step version is 1 or more' }).optional().describe('Version of the step; re-promoting changed cells makes the next one. Defaults to 1.'),
    code: relativePath('the step code path').describe('The step\'s Python file, relative to the pipeline file.'),
    source: StepSource.optional(),
    'depends-on': z.array(identifier('a step id')).optional().describe('Ids of the steps that must run before this one.'),
    reads: z.array(pythonName).optional().describe('Names the step reads from upstream steps.'),
    writes: z.array(pythonName).optional().describe('Names the step defines for downstream steps.'),
    params: z.array(identifier('a param name')).optional().describe('Pipeline params the step uses.'),
    files: z
      .array(relativePath('a file the step reads'))
      .optional()
      .describe('Files the step reads from disk, relative to the pipeline file; a change in one re-runs the step. Promotion finds literal paths (pd.read_csv("data/x.csv"), open(...), np.load(...)); add others by hand.'),
    checks: z.record(pythonName, OutputChecks).optional().describe('Validation gates on the step\'s outputs, by output name: rows, columns (type, nulls, min, max, values, unique) and freshness.'),
  })
  .describe('One step of the pipeline.');

export const Pipeline = z
  .strictObject({
    cellflow: z.literal(PIPELINE_FORMAT_VERSION, { error: 'the format version `cellflow` must be 1' }).describe('Pipeline format version.'),
    name: identifier('a pipeline name').describe('Name of the pipeline.'),
    description: z.string().optional().describe('What the pipeline does.'),
    params: z.record(identifier('a param name'), ParamValue).optional().describe('Parameters steps can use, with their default values.'),
    steps: z.array(Step).describe('The steps, in the order they were added.'),
  })
  .describe('A Cellflow pipeline (format v1).');

export type Pipeline = z.infer<typeof Pipeline>;
export type Step = z.infer<typeof Step>;
export type StepSource = z.infer<typeof StepSource>;
export type CellRef = z.infer<typeof CellRef>;

/** JSON Schema of the format, for the YAML extension's `yamlValidation` and other editors. */
export function pipelineJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Pipeline, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $id: 'https://cellflow.dev/schema/pipeline-v1.json',
    title: 'Cellflow pipeline',
    ...schema,
  };
}
