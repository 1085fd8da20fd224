/** Pipeline files are named *.cellflow.yaml (or .yml); the editor's language contribution uses the same. */
export const PIPELINE_FILE_PATTERN = /\.cellflow\.ya?ml$/i;

export function isPipelineFile(name: string): boolean {
  return PIPELINE_FILE_PATTERN.test(name);
}
