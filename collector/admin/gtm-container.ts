import exported from '../../tag/gtm/container.json';

// The GTM container export (tag/gtm/container.json) made ready for this deployment: the two constants
// set to its collector URL and publishable key, and the template's "Injects scripts" permission
// narrowed to its tag.js, i.e. steps 2 and 3 of the GTM guide in docs/install.md done for the user.

type Container = typeof exported;
const ANY_TAG = '"string": "https://*/v1/tag.js"';

export function gtmContainerFor(collectorUrl: string, publishableKey: string): Container {
  const copy = JSON.parse(JSON.stringify(exported)) as Container;
  const cv = copy.containerVersion;
  const setConstant = (name: string, value: string) => {
    const v = cv.variable.find((x) => x.name === name);
    const p = v?.parameter.find((x) => x.key === 'value');
    if (!p) throw new Error(`the GTM container has no constant ${name}`);
    p.value = value;
  };
  const base = collectorUrl.replace(/\/+$/, '');
  setConstant('Open Conversions - Collector URL', base);
  setConstant('Open Conversions - Publishable key', publishableKey);
  for (const t of cv.customTemplate) {
    if (!t.templateData.includes(ANY_TAG))
      throw new Error('the GTM template has no https://*/v1/tag.js permission to narrow');
    // templateData is the .tpl text; the permission inside it is JSON, so the URL is JSON-escaped.
    t.templateData = t.templateData.replace(ANY_TAG, () => `"string": ${JSON.stringify(`${base}/v1/tag.js`)}`);
  }
  return copy;
}

/** The custom template alone (.tpl), for importing under Templates instead of the whole container. */
export function gtmTemplateFor(collectorUrl: string, publishableKey: string): string {
  return gtmContainerFor(collectorUrl, publishableKey).containerVersion.customTemplate[0]!.templateData;
}
