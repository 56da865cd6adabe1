// The slice of a Salesforce org's schema the fake serves: standard fields of Lead, Contact,
// Account, Opportunity and OpportunityContactRole with their describe types, parent lookups and
// the Opportunity → OpportunityContactRoles child relationship.
export interface SObjectSchema {
  label: string;
  prefix: string;
  fields: Record<string, string>;
  /** Relationship name → [lookup field, parent object]. */
  parents: Record<string, [string, string]>;
  /** Child relationship name → [child object, its lookup field]. */
  children: Record<string, [string, string]>;
}

const SYSTEM = {
  Id: 'id',
  CreatedDate: 'datetime',
  LastModifiedDate: 'datetime',
  SystemModstamp: 'datetime',
  IsDeleted: 'boolean',
};

export function salesforceSchema(multiCurrency: boolean): Record<string, SObjectSchema> {
  const currency: Record<string, string> = multiCurrency ? { CurrencyIsoCode: 'picklist' } : {};
  return {
    Lead: {
      label: 'Lead',
      prefix: '00Q',
      fields: {
        ...SYSTEM,
        Email: 'email',
        FirstName: 'string',
        LastName: 'string',
        Name: 'string',
        Phone: 'phone',
        Company: 'string',
        Title: 'string',
        City: 'string',
        State: 'string',
        PostalCode: 'string',
        Country: 'string',
        Address: 'address',
        Status: 'picklist',
        LeadSource: 'picklist',
        IsConverted: 'boolean',
        ConvertedDate: 'date',
        ConvertedContactId: 'reference',
        AnnualRevenue: 'currency',
        NumberOfEmployees: 'int',
        ...currency,
      },
      parents: { ConvertedContact: ['ConvertedContactId', 'Contact'] },
      children: {},
    },
    Account: {
      label: 'Account',
      prefix: '001',
      fields: { ...SYSTEM, Name: 'string', Industry: 'picklist', Website: 'url', ...currency },
      parents: {},
      children: {},
    },
    Contact: {
      label: 'Contact',
      prefix: '003',
      fields: {
        ...SYSTEM,
        Email: 'email',
        FirstName: 'string',
        LastName: 'string',
        Name: 'string',
        Phone: 'phone',
        Title: 'string',
        Department: 'string',
        MailingCity: 'string',
        MailingState: 'string',
        MailingPostalCode: 'string',
        MailingCountry: 'string',
        MailingAddress: 'address',
        LeadSource: 'picklist',
        AccountId: 'reference',
        Birthdate: 'date',
        ...currency,
      },
      parents: { Account: ['AccountId', 'Account'] },
      children: {},
    },
    Opportunity: {
      label: 'Opportunity',
      prefix: '006',
      fields: {
        ...SYSTEM,
        Name: 'string',
        StageName: 'picklist',
        Amount: 'currency',
        CloseDate: 'date',
        IsWon: 'boolean',
        IsClosed: 'boolean',
        Type: 'picklist',
        LeadSource: 'picklist',
        Probability: 'percent',
        AccountId: 'reference',
        ...currency,
      },
      parents: { Account: ['AccountId', 'Account'] },
      children: { OpportunityContactRoles: ['OpportunityContactRole', 'OpportunityId'] },
    },
    OpportunityContactRole: {
      label: 'Opportunity Contact Role',
      prefix: '00K',
      fields: {
        ...SYSTEM,
        OpportunityId: 'reference',
        ContactId: 'reference',
        Role: 'picklist',
        IsPrimary: 'boolean',
        ...currency,
      },
      parents: { Opportunity: ['OpportunityId', 'Opportunity'], Contact: ['ContactId', 'Contact'] },
      children: {},
    },
  };
}

const option = (value: string, defaultValue = false) => ({
  active: true,
  defaultValue,
  label: value,
  validFor: null,
  value,
});

/** A new org's standard picklist values, as describe lists them (`picklistValues`); other picklists have none here. */
export const PICKLIST_VALUES: Record<string, ReturnType<typeof option>[]> = {
  'Lead.Status': [
    option('Open - Not Contacted', true),
    option('Working - Contacted'),
    option('Closed - Converted'),
    option('Closed - Not Converted'),
  ],
  'Opportunity.StageName': [
    'Prospecting',
    'Qualification',
    'Needs Analysis',
    'Value Proposition',
    'Id. Decision Makers',
    'Perception Analysis',
    'Proposal/Price Quote',
    'Negotiation/Review',
    'Closed Won',
    'Closed Lost',
  ].map((v) => option(v)),
};
