// TextOperation: an ot.js-compatible text operation over UTF-16 code units.
//
// An operation walks the whole document: a positive integer retains that many
// units, a non-empty string inserts it, a negative integer deletes that many
// units. Builders keep a canonical form (neighbours merged, insert before
// delete), so two operations with the same effect are structurally equal.
//
// Laws (checked by tests on random cases):
//   apply(apply(S, A), B) = apply(S, compose(A, B))
//   [A', B'] = transform(A, B)  =>  apply(apply(S, A), B') = apply(apply(S, B), A')
//   apply(apply(S, A), invert(A, S)) = S

export type Component = number | string;

/**
 * One step of walkPair: a component of the first operation alone, one of the
 * second alone, or the two heads together; m is how many units the step covers.
 */
type PairStep = [Component, undefined, number] | [undefined, Component, number] | [Component, Component, number];

export class TextOperation {
  readonly ops: Component[] = [];
  /** Length of the document the operation applies to. */
  baseLength = 0;
  /** Length of the document after the operation. */
  targetLength = 0;

  static isRetain(c: Component): c is number {
    return typeof c === 'number' && c > 0;
  }
  static isInsert(c: Component): c is string {
    return typeof c === 'string';
  }
  static isDelete(c: Component): c is number {
    return typeof c === 'number' && c < 0;
  }

  retain(n: number): this {
    if (!Number.isInteger(n) || n < 0) throw new Error(`retain expects a non-negative integer, got ${n}`);
    if (n === 0) return this;
    this.baseLength += n;
    this.targetLength += n;
    this.pushCount(n);
    return this;
  }

  insert(s: string): this {
    if (typeof s !== 'string') throw new Error('insert expects a string');
    if (s === '') return this;
    this.targetLength += s.length;
    const ops = this.ops;
    const last = ops.length - 1;
    if (last >= 0 && TextOperation.isInsert(ops[last])) {
      ops[last] = (ops[last] as string) + s;
    } else if (last >= 0 && TextOperation.isDelete(ops[last])) {
      // Canonical form: an insert goes before an adjacent delete.
      if (last >= 1 && TextOperation.isInsert(ops[last - 1])) {
        ops[last - 1] = (ops[last - 1] as string) + s;
      } else {
        ops.push(ops[last]);
        ops[last] = s;
      }
    } else {
      ops.push(s);
    }
    return this;
  }

  delete(n: number): this {
    if (!Number.isInteger(n)) throw new Error(`delete expects an integer, got ${n}`);
    if (n === 0) return this;
    if (n > 0) n = -n;
    this.baseLength -= n;
    this.pushCount(n);
    return this;
  }

  /**
   * Appends a retain (n > 0) or a delete (n < 0), merged into the last
   * component when that is of the same kind.
   */
  private pushCount(n: number): void {
    const last = this.ops.length - 1;
    const prev = this.ops[last];
    if (typeof prev === 'number' && Math.sign(prev) === Math.sign(n)) {
      this.ops[last] = prev + n;
    } else {
      this.ops.push(n);
    }
  }

  /** True when applying the operation changes nothing. */
  isNoop(): boolean {
    return this.ops.length === 0 || (this.ops.length === 1 && TextOperation.isRetain(this.ops[0]));
  }

  equals(other: TextOperation): boolean {
    if (this.baseLength !== other.baseLength || this.targetLength !== other.targetLength) return false;
    if (this.ops.length !== other.ops.length) return false;
    return this.ops.every((c, i) => c === other.ops[i]);
  }

  toJSON(): Component[] {
    return this.ops.slice();
  }

  static fromJSON(ops: unknown): TextOperation {
    if (!Array.isArray(ops)) throw new Error('operation must be an array');
    const o = new TextOperation();
    for (const c of ops) {
      if (typeof c === 'string') o.insert(c);
      else if (typeof c === 'number' && Number.isInteger(c) && c > 0) o.retain(c);
      else if (typeof c === 'number' && Number.isInteger(c) && c < 0) o.delete(c);
      else throw new Error(`invalid operation component ${JSON.stringify(c)}`);
    }
    return o;
  }

  toString(): string {
    return this.ops
      .map((c) => (TextOperation.isRetain(c) ? `retain ${c}` : TextOperation.isInsert(c) ? `insert ${JSON.stringify(c)}` : `delete ${-c}`))
      .join(', ');
  }

  apply(doc: string): string {
    if (doc.length !== this.baseLength) {
      throw new Error(`operation base length ${this.baseLength} does not match document length ${doc.length}`);
    }
    const parts: string[] = [];
    let index = 0;
    for (const c of this.ops) {
      if (TextOperation.isRetain(c)) {
        parts.push(doc.slice(index, index + c));
        index += c;
      } else if (TextOperation.isInsert(c)) {
        parts.push(c);
      } else {
        index -= c;
      }
    }
    return parts.join('');
  }

  /** The operation that undoes this one, given the document it applied to. */
  invert(doc: string): TextOperation {
    const inverse = new TextOperation();
    let index = 0;
    for (const c of this.ops) {
      if (TextOperation.isRetain(c)) {
        inverse.retain(c);
        index += c;
      } else if (TextOperation.isInsert(c)) {
        inverse.delete(c.length);
      } else {
        inverse.insert(doc.slice(index, index - c));
        index -= c;
      }
    }
    return inverse;
  }

  /** compose(A, B) applies A then B: apply(S, compose(A, B)) = apply(apply(S, A), B). */
  compose(other: TextOperation): TextOperation {
    if (this.targetLength !== other.baseLength) {
      throw new Error('compose: the first operation\'s target length must equal the second\'s base length');
    }
    const result = new TextOperation();
    // A's deletes and B's inserts go through whole: the other side never sees that text.
    for (const [op1, op2, m] of walkPair('compose', this.ops, other.ops, TextOperation.isDelete, TextOperation.isInsert)) {
      if (op2 === undefined) {
        result.delete(m);
      } else if (op1 === undefined) {
        result.insert(op2 as string);
      } else if (TextOperation.isRetain(op1) && TextOperation.isRetain(op2)) {
        result.retain(m);
      } else if (TextOperation.isInsert(op1) && TextOperation.isDelete(op2)) {
        // B deletes (part of) what A inserted: drop it.
      } else if (TextOperation.isInsert(op1) && TextOperation.isRetain(op2)) {
        result.insert(op1.slice(0, m));
      } else if (TextOperation.isRetain(op1) && TextOperation.isDelete(op2)) {
        result.delete(m);
      } else {
        throw new Error(`compose: unexpected components ${JSON.stringify(op1)} and ${JSON.stringify(op2)}`);
      }
    }
    return result;
  }

  /**
   * transform(A, B) = [A', B'] for A and B on the same document, such that
   * apply(apply(S, A), B') = apply(apply(S, B), A'). Where both insert at the
   * same position, A's insert comes first (ot.js's tie-break).
   */
  static transform(operation1: TextOperation, operation2: TextOperation): [TextOperation, TextOperation] {
    if (operation1.baseLength !== operation2.baseLength) {
      throw new Error('transform: both operations must have the same base length');
    }
    const prime1 = new TextOperation();
    const prime2 = new TextOperation();
    // Inserts go through whole, A's first; the other side retains over them.
    for (const [op1, op2, m] of walkPair('transform', operation1.ops, operation2.ops, TextOperation.isInsert, TextOperation.isInsert)) {
      if (op2 === undefined) {
        prime1.insert(op1 as string);
        prime2.retain(m);
      } else if (op1 === undefined) {
        prime1.retain(m);
        prime2.insert(op2 as string);
      } else if (TextOperation.isRetain(op1) && TextOperation.isRetain(op2)) {
        prime1.retain(m);
        prime2.retain(m);
      } else if (TextOperation.isDelete(op1) && TextOperation.isDelete(op2)) {
        // Both delete the same text: nothing to emit.
      } else if (TextOperation.isDelete(op1) && TextOperation.isRetain(op2)) {
        prime1.delete(m);
      } else if (TextOperation.isRetain(op1) && TextOperation.isDelete(op2)) {
        prime2.delete(m);
      } else {
        throw new Error('transform: incompatible operations');
      }
    }
    return [prime1, prime2];
  }

  // --- Undo grouping (ot.js semantics) ---

  /**
   * True when `other`, applied right after this operation, continues the same
   * edit (typing on, or deleting on), so an undo manager may merge them.
   */
  shouldBeComposedWith(other: TextOperation): boolean {
    return continuesEdit(this, other, false);
  }

  /** Like shouldBeComposedWith, for operations that are inverses (undo stack entries). */
  shouldBeComposedWithInverted(other: TextOperation): boolean {
    return continuesEdit(this, other, true);
  }
}

/**
 * Whether b continues a's edit: b inserts where a's insert ends, or deletes
 * just before a's delete (backspace). Where both start at the same place, it
 * is the delete key for operations and, for inverses (inverted), an insert.
 */
function continuesEdit(a: TextOperation, b: TextOperation, inverted: boolean): boolean {
  if (a.isNoop() || b.isNoop()) return true;
  const startA = getStartIndex(a);
  const startB = getStartIndex(b);
  const simpleA = getSimpleOp(a);
  const simpleB = getSimpleOp(b);
  if (simpleA === undefined || simpleB === undefined) return false;
  if (TextOperation.isInsert(simpleA) && TextOperation.isInsert(simpleB)) {
    return startA + simpleA.length === startB || (inverted && startA === startB);
  }
  if (TextOperation.isDelete(simpleA) && TextOperation.isDelete(simpleB)) {
    return startB - simpleB === startA || (!inverted && startA === startB);
  }
  return false;
}

function getSimpleOp(operation: TextOperation): Component | undefined {
  const ops = operation.ops;
  switch (ops.length) {
    case 1:
      return ops[0];
    case 2:
      return TextOperation.isRetain(ops[0]) ? ops[1] : TextOperation.isRetain(ops[1]) ? ops[0] : undefined;
    case 3:
      if (TextOperation.isRetain(ops[0]) && TextOperation.isRetain(ops[2])) return ops[1];
  }
  return undefined;
}

function getStartIndex(operation: TextOperation): number {
  return TextOperation.isRetain(operation.ops[0]) ? operation.ops[0] : 0;
}

/** How many units of the document a component walks over. */
function units(c: Component): number {
  return typeof c === 'string' ? c.length : Math.abs(c);
}

/** What is left of component c after its first m units (0 < m < units(c)). */
function shorten(c: Component, m: number): Component {
  if (typeof c === 'string') return c.slice(m);
  return c > 0 ? c - m : c + m;
}

/**
 * walkPair steps through two operations side by side, as compose and
 * transform do. A head for which alone1 (first operation) or alone2 (second)
 * holds is yielded whole on its own, the first's before the second's;
 * otherwise both heads are yielded together with m, the shorter one's length,
 * and each loses its first m units. It throws, naming the caller, when one
 * operation runs out before the other.
 */
function* walkPair(
  name: string,
  ops1: readonly Component[],
  ops2: readonly Component[],
  alone1: (c: Component) => boolean,
  alone2: (c: Component) => boolean,
): Generator<PairStep> {
  let i1 = 0;
  let i2 = 0;
  let op1: Component | undefined = ops1[0];
  let op2: Component | undefined = ops2[0];
  while (op1 !== undefined || op2 !== undefined) {
    if (op1 !== undefined && alone1(op1)) {
      yield [op1, undefined, units(op1)];
      op1 = ops1[++i1];
      continue;
    }
    if (op2 !== undefined && alone2(op2)) {
      yield [undefined, op2, units(op2)];
      op2 = ops2[++i2];
      continue;
    }
    if (op1 === undefined) throw new Error(`${name}: the first operation is too short`);
    if (op2 === undefined) throw new Error(`${name}: the first operation is too long`);
    const m = Math.min(units(op1), units(op2));
    yield [op1, op2, m];
    op1 = m === units(op1) ? ops1[++i1] : shorten(op1, m);
    op2 = m === units(op2) ? ops2[++i2] : shorten(op2, m);
  }
}
