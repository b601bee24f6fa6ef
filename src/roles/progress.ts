/** One step of a long operation, for a progress display. */
export interface ProgressEvent {
  /** What is being done, e.g. "re-wrapping data keys". */
  readonly step: string;
  /** Items done so far, when the step counts items. */
  readonly done?: number;
  /** Items in all, when known. */
  readonly total?: number;
}

/** Receives progress events; must not throw. */
export type ProgressListener = (event: ProgressEvent) => void;

/** A listener that ignores everything. */
export const silentProgress: ProgressListener = () => undefined;
