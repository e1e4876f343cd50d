import { ProjectionDeadLetters1767300000000 } from '@voltstream/platform';
import { BillingSchema1733000000000 } from './1733000000000-billing-schema';
import { CreditNotes1767400000000 } from './1767400000000-credit-notes';
import { LateUsage1767500000000 } from './1767500000000-late-usage';
import { EstimatedUsage1767600000000 } from './1767600000000-estimated-usage';

/** billing-command's schema, in order: the service and the int-specs' scratch schemas run this one list. */
export const BILLING_COMMAND_MIGRATIONS = [
  BillingSchema1733000000000,
  ProjectionDeadLetters1767300000000,
  CreditNotes1767400000000,
  LateUsage1767500000000,
  EstimatedUsage1767600000000,
];
