/** Messages on the JOBS queue. Other job kinds (audience populate) add their own variant. */
export type PeopleJobMessage = {
  kind: 'people';
  jobId: string;
  email: string;
  /** In request order: all rows of one email travel together, so the queue can't reorder them. */
  rows: { source: string; attributes: Record<string, unknown> }[];
};

export type JobMessage = PeopleJobMessage;
