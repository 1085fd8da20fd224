/** Workspace Trust as the editor reported it: at start (initializationOptions), then when the user grants it. */
export class Trust {
  private granted = false;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly atStart: () => boolean) {}

  get trusted(): boolean {
    return this.granted || this.atStart();
  }

  grant(): void {
    this.granted = true;
    for (const l of this.listeners) l();
  }

  onGranted(listener: () => void): void {
    this.listeners.push(listener);
  }
}

/** What the server answers when asked to run something in an untrusted workspace. */
export const UNTRUSTED = 'Cellflow does not run pipelines in an untrusted workspace: trust this folder (Workspace Trust) to run it.';
