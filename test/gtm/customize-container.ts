// What docs/install.md tells a GTM user to do after importing tag/gtm/container.json: set the two
// constants, and narrow the template's "Injects scripts" permission to their collector's tag.js.

export interface Customization {
  collectorUrl: string;
  publishableKey: string;
}

export function customizeContainer(exported: any, { collectorUrl, publishableKey }: Customization): any {
  const copy = JSON.parse(JSON.stringify(exported));
  const cv = copy.containerVersion;
  const setConstant = (name: string, value: string) => {
    const v = cv.variable.find((x: any) => x.name === name);
    if (!v) throw new Error(`the container has no variable ${name}`);
    v.parameter.find((p: any) => p.key === 'value').value = value;
  };
  setConstant('Open Conversions - Collector URL', collectorUrl);
  setConstant('Open Conversions - Publishable key', publishableKey);
  const tagUrl = `${collectorUrl.replace(/\/+$/, '')}/v1/tag.js`;
  for (const t of cv.customTemplate) {
    const before = t.templateData;
    t.templateData = before.replace(
      '"string": "https://*/v1/tag.js"',
      JSON.stringify({ string: tagUrl }).slice(1, -1).replace('"string":', '"string": '),
    );
    if (t.templateData === before) throw new Error('the template has no https://*/v1/tag.js pattern to narrow');
  }
  return copy;
}
