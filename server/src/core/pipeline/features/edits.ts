/** A replacement of [start, end) in a text, by offsets. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}
