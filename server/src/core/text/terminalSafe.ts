/**
 * Control characters shown as escapes: text that came from a store or a file (which may arrive with a
 * cloned repository) must not drive the terminal (ESC sequences), forge output lines (newlines, carriage
 * returns) or reorder what is shown (bidirectional overrides) when the CLI prints it.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
