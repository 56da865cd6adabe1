import type { FieldCatalogue } from '../../services/audience-fields';
import { isTimestamp } from '../../sources/catalogue';
import { DataTable } from './data-table';

/**
 * The synced CRM fields beside the audience form: datalists the criteria builder's field inputs
 * (data-fields) and the timestamp input use, and a table of names, types and options, so criteria
 * can be written without knowing the CRM's internal names.
 */
export function FieldSuggestions(props: { catalogue: FieldCatalogue | null }) {
  const fields = props.catalogue?.fields ?? [];
  return (
    <>
      <datalist id="field-suggestions">
        {fields.map((f) => (
          <option value={f.name}>{f.label}</option>
        ))}
      </datalist>
      <datalist id="timestamp-suggestions">
        {fields.filter(isTimestamp).map((f) => (
          <option value={f.name}>{f.label}</option>
        ))}
      </datalist>
    </>
  );
}

export function SyncedFields(props: { catalogue: FieldCatalogue | null }) {
  const c = props.catalogue;
  const failed = c?.sources.filter((s) => s.error) ?? [];
  if (!c || (!c.fields.length && !failed.length)) return null;
  return (
    <details id="synced-fields">
      <summary>Synced CRM fields ({c.fields.length})</summary>
      {failed.map((s) => (
        <p class="hint">
          {s.name}: its fields could not be read ({s.error!.message}).
        </p>
      ))}
      <DataTable head={['Field', 'Label', 'Type', 'Values']}>
        {c.fields.map((f) => (
          <tr data-field={f.name}>
            <td>
              <code>{f.name}</code>
            </td>
            <td>{f.label}</td>
            <td>{f.type}</td>
            <td>
              {(f.options ?? []).map((o, i) => (
                <>
                  {i > 0 && ', '}
                  <code title={o.label}>{o.value}</code>
                </>
              ))}
            </td>
          </tr>
        ))}
      </DataTable>
    </details>
  );
}
