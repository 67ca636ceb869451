// Calls `onNewDay` when the shop's day ends (midnight in the shop's time zone), so what depends on
// "today" — a promised date that just passed, the board's overdue cards and the repair view's
// prompt to set a new date — changes on a desk left open overnight, with no edit to trigger it.
import { useEffect, useRef } from 'react';
import { dayEndsAt, shopToday } from '../../src-shared/shop-day.js';

/** The longest one timer waits; then it looks at the clock again (a PC may sleep through the night). */
const MAX_WAIT_MS = 60 * 60_000;

export function useShopDay(timeZone: string | undefined, onNewDay: () => void): void {
  const callback = useRef(onNewDay);
  callback.current = onNewDay;
  useEffect(() => {
    if (!timeZone) return;
    let timer: ReturnType<typeof setTimeout>;
    let day = shopToday(timeZone, new Date());
    const schedule = () => {
      const wait = Math.min(Math.max(dayEndsAt(day, timeZone) - Date.now(), 0) + 1000, MAX_WAIT_MS);
      timer = setTimeout(() => {
        const now = shopToday(timeZone, new Date());
        if (now !== day) {
          day = now;
          callback.current();
        }
        schedule();
      }, wait);
    };
    schedule();
    return () => clearTimeout(timer);
  }, [timeZone]);
}
