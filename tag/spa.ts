/** Calls `fn` after every single-page-app navigation: history.pushState / replaceState and popstate. */
export function onNavigate(fn: () => void): void {
  for (const name of ['pushState', 'replaceState'] as const) {
    const original = history[name];
    history[name] = function (this: History) {
      const result = original.apply(this, arguments as any);
      fn();
      return result;
    };
  }
  addEventListener('popstate', fn);
}
