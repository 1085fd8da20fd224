const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/**
 * Bytes to text the way an editor opens a UTF-8 file: a BOM is dropped and each invalid sequence becomes
 * U+FFFD, which the linter then reports, so the CLI and the editor see the same text.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
