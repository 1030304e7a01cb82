/** What `fn` throws, or undefined: lets a test assert on the kind of failure outside any catch block. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e;
  }
}
