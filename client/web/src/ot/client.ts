// Client: ot.js's client state machine. Each state handles an event and
// returns the next state; I/O goes through the ClientIO callbacks, so the
// machine itself does none and every transition is testable.
//
//   Synchronized        --local op-->   AwaitingConfirm(op)
//   AwaitingConfirm(o)  --local op-->   AwaitingWithBuffer(o, op)
//   AwaitingWithBuffer(o, b) --local op--> AwaitingWithBuffer(o, b∘op)
//   AwaitingConfirm(o)  --ack-->        Synchronized
//   AwaitingWithBuffer(o, b) --ack-->   AwaitingConfirm(b)   (b is sent)
//   any state --server op--> same state, pending ops transformed past it
//
// The caller feeds server events in revision order, each exactly once.
// Every submission carries an id (a random session prefix and a counter) so
// the server can recognise a resubmission after a reconnect; resend()
// repeats the outstanding submission verbatim: same revision, op and id.

import { TextOperation } from './text-operation';
import type { SelectionJSON } from './selection';
import { transformSelection } from './selection';

export interface Submission {
  revision: number;
  op: TextOperation;
  id: string;
}

export interface ClientIO {
  /** Sends a submission to the server. */
  sendOperation(submission: Submission): void;
  /** Applies a (transformed) server operation to the editor. */
  applyOperation(op: TextOperation): void;
}

export interface State {
  readonly name: 'Synchronized' | 'AwaitingConfirm' | 'AwaitingWithBuffer';
  applyClient(client: Client, op: TextOperation): State;
  applyServer(client: Client, op: TextOperation): State;
  serverAck(client: Client): State;
  /** Re-sends what the server has not acknowledged (after a reconnect). */
  resend(client: Client): void;
  /** Maps a selection made on the server's document onto the local one. */
  transformSelection(sel: SelectionJSON): SelectionJSON;
}

export class Synchronized implements State {
  readonly name = 'Synchronized';
  applyClient(client: Client, op: TextOperation): State {
    return new AwaitingConfirm(op, client.submit(op));
  }
  applyServer(client: Client, op: TextOperation): State {
    client.io.applyOperation(op);
    return this;
  }
  serverAck(): State {
    throw new Error('ack received while no operation is pending');
  }
  resend(): void {}
  transformSelection(sel: SelectionJSON): SelectionJSON {
    return sel;
  }
}

export const synchronized = new Synchronized();

export class AwaitingConfirm implements State {
  readonly name = 'AwaitingConfirm';
  /**
   * @param outstanding the sent operation, transformed past every server
   *   operation received since (it applies to the current server document
   *   followed by nothing else).
   * @param submission exactly what was sent, for a verbatim resend.
   */
  constructor(
    readonly outstanding: TextOperation,
    readonly submission: Submission,
  ) {}
  applyClient(_client: Client, op: TextOperation): State {
    return new AwaitingWithBuffer(this.outstanding, this.submission, op);
  }
  applyServer(client: Client, op: TextOperation): State {
    const [outstanding, op2] = TextOperation.transform(this.outstanding, op);
    client.io.applyOperation(op2);
    return new AwaitingConfirm(outstanding, this.submission);
  }
  serverAck(): State {
    return synchronized;
  }
  resend(client: Client): void {
    client.io.sendOperation(this.submission);
  }
  transformSelection(sel: SelectionJSON): SelectionJSON {
    return transformSelection(sel, this.outstanding);
  }
}

export class AwaitingWithBuffer implements State {
  readonly name = 'AwaitingWithBuffer';
  constructor(
    readonly outstanding: TextOperation,
    readonly submission: Submission,
    readonly buffer: TextOperation,
  ) {}
  applyClient(_client: Client, op: TextOperation): State {
    return new AwaitingWithBuffer(this.outstanding, this.submission, this.buffer.compose(op));
  }
  applyServer(client: Client, op: TextOperation): State {
    const [outstanding, op1] = TextOperation.transform(this.outstanding, op);
    const [buffer, op2] = TextOperation.transform(this.buffer, op1);
    client.io.applyOperation(op2);
    return new AwaitingWithBuffer(outstanding, this.submission, buffer);
  }
  serverAck(client: Client): State {
    // client.revision already counts the acknowledged operation.
    return new AwaitingConfirm(this.buffer, client.submit(this.buffer));
  }
  resend(client: Client): void {
    client.io.sendOperation(this.submission);
  }
  transformSelection(sel: SelectionJSON): SelectionJSON {
    return transformSelection(transformSelection(sel, this.outstanding), this.buffer);
  }
}

export function randomSessionPrefix(): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Client {
  state: State = synchronized;
  private counter = 0;
  private rev: number;

  /**
   * @param revision the server revision the local document is at.
   * @param io where submissions go and server operations are applied.
   * @param sessionPrefix the random part of every submission id.
   */
  constructor(
    revision: number,
    readonly io: ClientIO,
    readonly sessionPrefix: string = randomSessionPrefix(),
  ) {
    this.rev = revision;
  }

  /**
   * The server revision the local document is at, the base of the next
   * submission. Only applyServer and serverAck move it: one each.
   */
  get revision(): number {
    return this.rev;
  }

  /** Builds a submission for op based on the current revision and sends it. */
  submit(op: TextOperation): Submission {
    const submission: Submission = { revision: this.revision, op, id: `${this.sessionPrefix}-${++this.counter}` };
    this.io.sendOperation(submission);
    return submission;
  }

  /** A local edit was made. */
  applyClient(op: TextOperation): void {
    this.state = this.state.applyClient(this, op);
  }

  /** The next server operation (revision this.revision + 1) by another client. */
  applyServer(op: TextOperation): void {
    this.rev++;
    this.state = this.state.applyServer(this, op);
  }

  /** The server acknowledged our outstanding operation (revision this.revision + 1). */
  serverAck(): void {
    this.rev++;
    this.state = this.state.serverAck(this);
  }

  /** The connection was re-established: re-send the unacknowledged submission. */
  resend(): void {
    this.state.resend(this);
  }

  /** The id of the submission awaiting an ack, if any. */
  get pendingId(): string | undefined {
    return this.state instanceof AwaitingConfirm || this.state instanceof AwaitingWithBuffer ? this.state.submission.id : undefined;
  }

  get hasPending(): boolean {
    return this.state !== synchronized;
  }

  transformSelection(sel: SelectionJSON): SelectionJSON {
    return this.state.transformSelection(sel);
  }
}
