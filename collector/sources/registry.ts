// Which connector syncs each source type. A type without a line here is refused by the API with a
// clear "not available" until its connector exists.
import type { Connector, SourceType } from './connector';
import { hubspotConnector } from './hubspot/connector';
import { salesforceConnector } from './salesforce/connector';

export const connectors: Partial<Record<SourceType, Connector>> = {
  hubspot: hubspotConnector,
  salesforce: salesforceConnector,
};

export function connectorFor(type: SourceType): Connector | undefined {
  return connectors[type];
}
