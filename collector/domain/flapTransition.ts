/** One state change of a fingerprint, kept (the last 21) for flap detection. */
export interface FlapTransition {
  kind: 'firing' | 'resolved';
  atMs: number;
}
