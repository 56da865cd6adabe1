___TERMS_OF_SERVICE___

By creating or modifying this file you agree to Google Tag Manager's Community
Template Gallery Developer Terms of Service available at
https://developers.google.com/tag-manager/gallery-tos (or such other URL as
Google may provide), as modified from time to time.


___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Open Conversions (Clearbit-compatible tag)",
  "categories": [
    "ATTRIBUTION",
    "CONVERSIONS"
  ],
  "brand": {
    "id": "brand_dummy",
    "displayName": "Open Conversions"
  },
  "description": "Loads the Open Conversions tag from your own collector, remembers the ad click IDs a visitor arrived with, and identifies the visitor by email so the collector can send server-side conversions. Respects Google Consent Mode.",
  "containerContexts": [
    "WEB"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "collectorUrl",
    "displayName": "Collector URL",
    "simpleValueType": true,
    "valueHint": "https://www.example.com/_cb",
    "help": "Where your collector answers, without a trailing slash: the tag loads from {Collector URL}/v1/tag.js. On import, narrow this template's \"Injects scripts\" permission to exactly that URL.",
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      },
      {
        "type": "REGEX",
        "args": [
          "^https://[^/?#\\s]+(/[^?#\\s]*)?$"
        ],
        "errorMessage": "An https:// URL without query or fragment, for example https://www.example.com/_cb"
      }
    ]
  },
  {
    "type": "TEXT",
    "name": "publishableKey",
    "displayName": "Publishable key",
    "simpleValueType": true,
    "valueHint": "pk_live_...",
    "help": "The publishable key from your collector's Install page (it starts with pk_). Never paste a secret key (sk_) here.",
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      },
      {
        "type": "REGEX",
        "args": [
          "^pk_[A-Za-z0-9_-]+$"
        ],
        "errorMessage": "A publishable key starts with pk_"
      }
    ]
  },
  {
    "type": "RADIO",
    "name": "action",
    "displayName": "What this tag does",
    "radioItems": [
      {
        "value": "load",
        "displayValue": "Load the tag (fire on All Pages)"
      },
      {
        "value": "identify",
        "displayValue": "Identify the visitor (fire when they give their email)"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "load"
  },
  {
    "type": "TEXT",
    "name": "email",
    "displayName": "Email",
    "simpleValueType": true,
    "valueHint": "{{DLV - email}}",
    "help": "A variable holding the visitor's email, for example a Data Layer Variable named email.",
    "enablingConditions": [
      {
        "paramName": "action",
        "paramValue": "identify",
        "type": "EQUALS"
      }
    ],
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ]
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "traits",
    "displayName": "Traits (optional)",
    "help": "Extra facts about the person, sent with the identify, for example company or plan. Traits from the browser are untrusted: audiences ignore them unless told otherwise.",
    "simpleTableColumns": [
      {
        "defaultValue": "",
        "displayName": "Name",
        "name": "name",
        "type": "TEXT",
        "isUnique": true,
        "valueValidators": [
          {
            "type": "NON_EMPTY"
          }
        ]
      },
      {
        "defaultValue": "",
        "displayName": "Value",
        "name": "value",
        "type": "TEXT"
      }
    ],
    "newRowButtonText": "Add trait",
    "enablingConditions": [
      {
        "paramName": "action",
        "paramValue": "identify",
        "type": "EQUALS"
      }
    ]
  },
  {
    "type": "GROUP",
    "name": "consentGroup",
    "displayName": "Consent",
    "groupStyle": "ZIPPY_OPEN",
    "subParams": [
      {
        "type": "SELECT",
        "name": "consentSource",
        "displayName": "Ads consent comes from",
        "macrosInSelect": false,
        "selectItems": [
          {
            "value": "consentMode",
            "displayValue": "Google Consent Mode (ad_storage and ad_user_data)"
          },
          {
            "value": "none",
            "displayValue": "Nowhere: let the tag apply its own default"
          }
        ],
        "simpleValueType": true,
        "defaultValue": "consentMode",
        "help": "With Consent Mode, ads consent is granted only while both ad_storage and ad_user_data are granted, and every change is passed on to the tag. A consent type your site never sets counts as granted, as in Google's own tags."
      }
    ]
  },
  {
    "type": "GROUP",
    "name": "cookieGroup",
    "displayName": "Cookies",
    "groupStyle": "ZIPPY_CLOSED",
    "subParams": [
      {
        "type": "TEXT",
        "name": "cookieDomain",
        "displayName": "Cookie domain",
        "simpleValueType": true,
        "valueHint": "auto",
        "help": "Where the tag keeps its cookies (_cb_ids, _fbp). Empty or auto: the registrable domain (example.com), shared by www.example.com and app.example.com. A domain the pages are on or under: that domain. none: each page's own host only.",
        "valueValidators": [
          {
            "type": "REGEX",
            "args": [
              "^(|auto|none|\\.?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*)$"
            ],
            "errorMessage": "auto, none, or a domain such as example.com"
          }
        ]
      }
    ]
  }
]


___SANDBOXED_JS_FOR_WEB_TEMPLATE___

const addConsentListener = require('addConsentListener');
const callInWindow = require('callInWindow');
const copyFromWindow = require('copyFromWindow');
const createArgumentsQueue = require('createArgumentsQueue');
const getType = require('getType');
const injectScript = require('injectScript');
const isConsentGranted = require('isConsentGranted');
const logToConsole = require('logToConsole');
const makeString = require('makeString');
const makeTableMap = require('makeTableMap');
const queryPermission = require('queryPermission');

const ADS_CONSENT_TYPES = ['ad_storage', 'ad_user_data'];

const fail = (message) => {
  logToConsole('[Open Conversions] ' + message);
  data.gtmOnFailure();
};

const withoutTrailingSlashes = (value) => {
  let url = makeString(value).trim();
  while (url.length > 0 && url.charAt(url.length - 1) === '/') {
    url = url.substring(0, url.length - 1);
  }
  return url;
};

const adsConsent = () => {
  for (let i = 0; i < ADS_CONSENT_TYPES.length; i++) {
    if (!isConsentGranted(ADS_CONSENT_TYPES[i])) return 'denied';
  }
  return 'granted';
};

const sendConsent = () => {
  callInWindow('clearbit', 'consent', { ads: adsConsent() });
};

const collectorUrl = withoutTrailingSlashes(data.collectorUrl);
const tagUrl = collectorUrl + '/v1/tag.js';

let email;
if (data.action === 'identify') {
  email = getType(data.email) === 'string' ? data.email.trim() : '';
  if (email.indexOf('@') < 1) {
    // Never log the value itself: it may be personal data.
    fail('identify needs an email, and the Email field is empty or not an email address.');
    return;
  }
}

if (!queryPermission('inject_script', tagUrl)) {
  fail('the "Injects scripts" permission does not allow ' + tagUrl + ': set it to exactly that URL.');
  return;
}

const existing = getType(copyFromWindow('clearbit'));
if (existing === 'undefined') {
  // First firing on this page: the stub queues calls until tag.js replays them, 'load' first.
  createArgumentsQueue('clearbit', 'clearbit.q');
  callInWindow('clearbit', 'load', data.publishableKey, collectorUrl);
  if (data.cookieDomain) {
    callInWindow('clearbit', 'config', { cookieDomain: makeString(data.cookieDomain).trim() });
  }
  if (data.consentSource === 'consentMode') {
    sendConsent();
    ADS_CONSENT_TYPES.forEach((consentType) => {
      addConsentListener(consentType, sendConsent);
    });
  }
} else if (existing !== 'function') {
  fail('window.clearbit is already taken (is the paste-in snippet on this page too?): use the snippet or this template, not both.');
  return;
}

if (email) {
  const traits = data.traits ? makeTableMap(data.traits, 'name', 'value') : {};
  callInWindow('clearbit', 'identify', email, traits || {});
}

injectScript(tagUrl, data.gtmOnSuccess, () => fail('could not load ' + tagUrl), 'open-conversions-tag');


___WEB_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "logging",
        "versionId": "1"
      },
      "param": [
        {
          "key": "environments",
          "value": {
            "type": 1,
            "string": "debug"
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "access_globals",
        "versionId": "1"
      },
      "param": [
        {
          "key": "keys",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "key"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  },
                  {
                    "type": 1,
                    "string": "execute"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "clearbit"
                  },
                  {
                    "type": 8,
                    "boolean": true
                  },
                  {
                    "type": 8,
                    "boolean": true
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "key"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  },
                  {
                    "type": 1,
                    "string": "execute"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "clearbit.q"
                  },
                  {
                    "type": 8,
                    "boolean": true
                  },
                  {
                    "type": 8,
                    "boolean": true
                  },
                  {
                    "type": 8,
                    "boolean": false
                  }
                ]
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "inject_script",
        "versionId": "1"
      },
      "param": [
        {
          "key": "urls",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "https://*/v1/tag.js"
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "access_consent",
        "versionId": "1"
      },
      "param": [
        {
          "key": "consentTypes",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "consentType"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "ad_storage"
                  },
                  {
                    "type": 8,
                    "boolean": true
                  },
                  {
                    "type": 8,
                    "boolean": false
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "consentType"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "ad_user_data"
                  },
                  {
                    "type": 8,
                    "boolean": true
                  },
                  {
                    "type": 8,
                    "boolean": false
                  }
                ]
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  }
]


___TESTS___

scenarios:
- name: Load queues 'load' first, then consent, and injects the tag from the collector
  code: |-
    runCode(loadData);

    assertApi('createArgumentsQueue').wasCalledWith('clearbit', 'clearbit.q');
    assertThat(methods).isEqualTo(['load', 'consent']);
    assertApi('callInWindow').wasCalledWith('clearbit', 'load', 'pk_test_123', 'https://collector.example.com');
    assertApi('callInWindow').wasCalledWith('clearbit', 'consent', {ads: 'granted'});
    assertThat(injected).isEqualTo(['https://collector.example.com/v1/tag.js open-conversions-tag']);
    assertApi('gtmOnSuccess').wasCalled();
    assertApi('gtmOnFailure').wasNotCalled();
- name: Consent Mode denied for ad_user_data gives ads denied, and both types are watched
  code: |-
    mock('isConsentGranted', function(consentType) {
      return consentType !== 'ad_user_data';
    });
    const watched = [];
    mock('addConsentListener', function(consentType, listener) {
      watched.push(consentType);
    });

    runCode(loadData);

    assertApi('callInWindow').wasCalledWith('clearbit', 'consent', {ads: 'denied'});
    assertThat(watched).isEqualTo(['ad_storage', 'ad_user_data']);
    assertApi('gtmOnSuccess').wasCalled();
- name: A Consent Mode change is passed on to the tag
  code: |-
    let granted = false;
    mock('isConsentGranted', function(consentType) {
      return granted;
    });
    const listeners = [];
    mock('addConsentListener', function(consentType, listener) {
      listeners.push(listener);
    });

    runCode(loadData);
    granted = true;
    listeners[0]('ad_storage', true);

    assertThat(methods).isEqualTo(['load', 'consent', 'consent']);
    assertApi('callInWindow').wasCalledWith('clearbit', 'consent', {ads: 'denied'});
    assertApi('callInWindow').wasCalledWith('clearbit', 'consent', {ads: 'granted'});
- name: Without Consent Mode no consent call is queued
  code: |-
    loadData.consentSource = 'none';

    runCode(loadData);

    assertThat(methods).isEqualTo(['load']);
    assertApi('isConsentGranted').wasNotCalled();
    assertApi('addConsentListener').wasNotCalled();
    assertApi('gtmOnSuccess').wasCalled();
- name: A cookie domain is passed on as config right after 'load'
  code: |-
    loadData.cookieDomain = ' none ';

    runCode(loadData);

    assertThat(methods).isEqualTo(['load', 'config', 'consent']);
    assertApi('callInWindow').wasCalledWith('clearbit', 'config', {cookieDomain: 'none'});
    assertApi('gtmOnSuccess').wasCalled();
- name: Identify queues the email and traits after 'load'
  code: |-
    runCode(identifyData);

    assertThat(methods).isEqualTo(['load', 'consent', 'identify']);
    assertApi('callInWindow').wasCalledWith('clearbit', 'identify', 'ada@example.com', {company: 'Example Inc', plan: 'enterprise'});
    assertApi('gtmOnSuccess').wasCalled();
- name: Identify on a page where the tag is already there only adds the identify
  code: |-
    mock('copyFromWindow', function(key) {
      return function() {};
    });

    runCode(identifyData);

    assertApi('createArgumentsQueue').wasNotCalled();
    assertThat(methods).isEqualTo(['identify']);
    assertApi('gtmOnSuccess').wasCalled();
- name: Identify without an email fails and sends nothing
  code: |-
    identifyData.email = undefined;

    runCode(identifyData);

    assertThat(methods).isEmpty();
    assertThat(injected).isEmpty();
    assertApi('gtmOnFailure').wasCalled();
    assertApi('gtmOnSuccess').wasNotCalled();
- name: A collector outside the inject_script permission fails before touching the page
  code: |-
    mock('queryPermission', function(permission, url) {
      return false;
    });

    runCode(loadData);

    assertApi('createArgumentsQueue').wasNotCalled();
    assertThat(methods).isEmpty();
    assertThat(injected).isEmpty();
    assertApi('gtmOnFailure').wasCalled();
- name: A tag.js that fails to load fails the tag
  code: |-
    mock('injectScript', function(url, onSuccess, onFailure) {
      onFailure();
    });

    runCode(loadData);

    assertApi('gtmOnFailure').wasCalled();
    assertApi('gtmOnSuccess').wasNotCalled();
- name: The paste-in snippet already on the page makes the template step aside
  code: |-
    mock('copyFromWindow', function(key) {
      return [];
    });

    runCode(loadData);

    assertApi('createArgumentsQueue').wasNotCalled();
    assertThat(methods).isEmpty();
    assertApi('gtmOnFailure').wasCalled();
setup: |-
  const loadData = {
    collectorUrl: 'https://collector.example.com/',
    publishableKey: 'pk_test_123',
    action: 'load',
    consentSource: 'consentMode'
  };
  const identifyData = {
    collectorUrl: 'https://collector.example.com',
    publishableKey: 'pk_test_123',
    action: 'identify',
    email: ' ada@example.com ',
    traits: [{name: 'company', value: 'Example Inc'}, {name: 'plan', value: 'enterprise'}],
    consentSource: 'consentMode'
  };
  const methods = [];
  mock('callInWindow', function(path, method) {
    methods.push(method);
  });
  const injected = [];
  mock('injectScript', function(url, onSuccess, onFailure, cacheToken) {
    injected.push(url + ' ' + cacheToken);
    onSuccess();
  });


___NOTES___

Open Conversions GTM template. Source, tests and install guide:
tag/gtm/ in the Open Conversions repository.
