/**
 * A YAML document as a tree of nodes that know their source offsets, beside the plain JS value built
 * from the same text. Offsets are UTF-16 indices into the text, end-exclusive. Both parsers (the fast
 * path in blockYaml.ts and the js-yaml path in positionedYaml.ts) build these, so the types live apart
 * from either.
 */
export type YNode = YScalar | YMap | YSeq | YAlias;

interface Span {
  start: number;
  end: number;
}

export interface YScalar extends Span {
  kind: 'scalar';
  /** The decoded text; its typed value lives in the constructed JS value. */
  text: string;
  quoted: boolean;
}

export interface YPair {
  key: YNode;
  value: YNode;
}

export interface YMap extends Span {
  kind: 'map';
  flow: boolean;
  pairs: YPair[];
}

export interface YSeq extends Span {
  kind: 'seq';
  flow: boolean;
  items: YNode[];
}

export interface YAlias extends Span {
  kind: 'alias';
  name: string;
}

export interface YDocument {
  /** Offset where the document's content starts (0 for the first, the `---` line for later ones). */
  start: number;
  root: YNode | null;
  value: unknown;
}

export interface YamlError {
  offset: number;
  message: string;
}

export interface DuplicateKey {
  key: YNode;
  first: YNode;
}

/** YAML that parses but that Cellflow does not take, such as a list used as a mapping key. */
export interface Unsupported {
  node: YNode;
  message: string;
}
