// The levers a test pulls on an ad platform fake that takes an access token: poison an id (the next
// request holding it is refused whole, as one invalid event refuses a batch) and revoke or restore
// the token. Tests in Node call `poison` / `revokeToken`; tests inside workerd post the same as
// {action: 'poison' | 'revokeToken' | 'restoreToken'} to /__fake/control, which `control` answers.
export function tokenAndPoison(idField: 'eventId' | 'conversionId') {
  const poisoned = new Set<string>();
  let tokenValid = true;
  return {
    isPoisoned: (id: unknown) => typeof id === 'string' && poisoned.has(id),
    tokenValid: () => tokenValid,
    poison: (id: string) => void poisoned.add(id),
    revokeToken: () => void (tokenValid = false),
    control(b: Record<string, unknown>): boolean {
      const id = b[idField];
      if (b.action === 'poison' && typeof id === 'string') return (poisoned.add(id), true);
      if (b.action === 'revokeToken') return ((tokenValid = false), true);
      if (b.action === 'restoreToken') return ((tokenValid = true), true);
      return false;
    },
  };
}
