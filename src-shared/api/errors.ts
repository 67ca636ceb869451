// Errors that cross the API boundary: a stable code for programs, a sentence for people.

export type ApiErrorCode =
  | 'unknown-method'
  | 'invalid-args'
  | 'not-found'
  | 'duplicate-open-ro'
  | 'wrong-pin'
  | 'pin-locked'
  | 'not-allowed'
  | 'unauthorized'
  | 'unreachable'
  | 'not-paired'
  | 'file-refused'
  | 'pairing-failed'
  | 'sms-opted-out'
  | 'sms-not-possible'
  | 'sms-confirm-needed'
  /** The customer withdrew consent to sign electronically: the desk offers paper. */
  | 'esign-consent-withdrawn'
  | 'internal';

export interface ApiIssue {
  field: string;
  message: string;
}

export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  /** The first field at fault, as a dotted path ("vehicle.vin"). */
  field?: string;
  issues?: ApiIssue[];
  details?: unknown;
}

export class ApiError extends Error implements ApiErrorBody {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
    readonly issues?: ApiIssue[],
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ApiErrorBody {
    const body: ApiErrorBody = { code: this.code, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    if (this.issues !== undefined) body.issues = this.issues;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }

  static fromBody(body: ApiErrorBody): ApiError {
    return new ApiError(body.code, body.message, body.field, body.issues, body.details);
  }
}
