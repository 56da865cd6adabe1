// Writes tag/gtm/container.json, the importable GTM container export, from tag/gtm/template.tpl:
// `node test/gtm/write-container.mjs`. A test fails when the committed file is out of date.
import { readFileSync, writeFileSync } from 'node:fs';

const ACCOUNT = '0';
const CONTAINER = '0';
const TEMPLATE_ID = '10';
const ALL_PAGES = '2147479553';
const EXPORT_TIME = '2026-11-28 12:00:00';

const ids = { accountId: ACCOUNT, containerId: CONTAINER };
const text = (key, value) => ({ type: 'TEMPLATE', key, value });
const equals = (arg0, arg1, type = 'EQUALS') => ({ type, parameter: [text('arg0', arg0), text('arg1', arg1)] });
const dataLayerVariable = (variableId, name, key) => ({
  ...ids,
  variableId,
  name,
  type: 'v',
  parameter: [
    { type: 'INTEGER', key: 'dataLayerVersion', value: '2' },
    { type: 'BOOLEAN', key: 'setDefaultValue', value: 'false' },
    text('name', key),
  ],
  fingerprint: '1',
  formatValue: {},
});
const constant = (variableId, name, value) => ({
  ...ids,
  variableId,
  name,
  type: 'c',
  parameter: [text('value', value)],
  fingerprint: '1',
  formatValue: {},
});
const tagBase = {
  monitoringMetadata: { type: 'MAP' },
  consentSettings: { consentStatus: 'NOT_SET' },
  fingerprint: '1',
};
const common = [
  text('collectorUrl', '{{Open Conversions - Collector URL}}'),
  text('publishableKey', '{{Open Conversions - Publishable key}}'),
  text('consentSource', 'consentMode'),
];

export function buildContainer(templateText) {
  return {
    exportFormatVersion: 2,
    exportTime: EXPORT_TIME,
    containerVersion: {
      path: `accounts/${ACCOUNT}/containers/${CONTAINER}/versions/0`,
      ...ids,
      containerVersionId: '0',
      container: {
        path: `accounts/${ACCOUNT}/containers/${CONTAINER}`,
        ...ids,
        name: 'Open Conversions',
        publicId: 'GTM-XXXXXXX',
        usageContext: ['WEB'],
        fingerprint: '1',
        features: {
          supportTemplates: true,
          supportTags: true,
          supportTriggers: true,
          supportVariables: true,
          supportBuiltInVariables: true,
          supportFolders: true,
        },
      },
      tag: [
        {
          ...ids,
          tagId: '1',
          name: 'Open Conversions - Load',
          type: `cvt_${CONTAINER}_${TEMPLATE_ID}`,
          parameter: [...common, text('action', 'load')],
          firingTriggerId: [ALL_PAGES],
          tagFiringOption: 'ONCE_PER_LOAD',
          ...tagBase,
        },
        {
          ...ids,
          tagId: '2',
          name: 'Open Conversions - Identify on form submit',
          type: `cvt_${CONTAINER}_${TEMPLATE_ID}`,
          parameter: [
            ...common,
            text('action', 'identify'),
            text('email', '{{DLV - email}}'),
            {
              type: 'LIST',
              key: 'traits',
              list: [{ type: 'MAP', map: [text('name', 'company'), text('value', '{{DLV - company}}')] }],
            },
          ],
          firingTriggerId: ['3'],
          tagFiringOption: 'ONCE_PER_EVENT',
          ...tagBase,
        },
      ],
      trigger: [
        {
          ...ids,
          triggerId: '3',
          name: 'Form submitted with an email',
          type: 'CUSTOM_EVENT',
          customEventFilter: [equals('{{_event}}', 'form_submit')],
          filter: [equals('{{DLV - email}}', '@', 'CONTAINS')],
          fingerprint: '1',
        },
      ],
      variable: [
        constant('4', 'Open Conversions - Collector URL', 'https://www.example.com/_cb'),
        constant('5', 'Open Conversions - Publishable key', 'pk_live_REPLACE_ME'),
        dataLayerVariable('6', 'DLV - email', 'email'),
        dataLayerVariable('7', 'DLV - company', 'company'),
      ],
      builtInVariable: [{ ...ids, type: 'EVENT', name: 'Event' }],
      customTemplate: [
        {
          ...ids,
          templateId: TEMPLATE_ID,
          name: 'Open Conversions (Clearbit-compatible tag)',
          fingerprint: '1',
          templateData: templateText,
        },
      ],
      fingerprint: '1',
    },
  };
}

export function containerJson(templateText) {
  return JSON.stringify(buildContainer(templateText), null, 2) + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL('../../tag/gtm/', import.meta.url);
  writeFileSync(new URL('container.json', root), containerJson(readFileSync(new URL('template.tpl', root), 'utf8')));
  console.log('wrote tag/gtm/container.json');
}
