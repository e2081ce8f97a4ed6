// The HealError a call throws, for tests that assert its code, file and message.
import { HealError } from "../../lib/errors.ts";

/** The HealError `fn` throws; any other error is rethrown, and no error at all fails the test. */
export function healErrorOf(fn: () => unknown): HealError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HealError) return err;
    throw err;
  }
  throw new Error("expected a HealError, nothing was thrown");
}
