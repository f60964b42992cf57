/**
 * Mapping between fv's logical column types (types.ts) and Apache Arrow
 * data types.
 *
 * Writing (fvTypeToArrow) is a bijection onto the Arrow types fv emits in its
 * own chunk files. Reading (arrowTypeToFv) is more forgiving because files
 * come from other writers (pyarrow, polars, DuckDB): physical variants that
 * carry the same values are folded onto one fv type (dictionary-encoded and
 * view-encoded strings become plain strings, large binary becomes binary).
 * Anything whose values fv cannot represent exactly is rejected with an
 * UNSUPPORTED error naming the column, rather than converted lossily.
 */
import * as arrow from 'apache-arrow';
import { FvError } from '../../errors/FvError.js';
import type { FvType, IntKind, TimeUnit } from '../types.js';

const TO_ARROW_UNIT: Record<TimeUnit, arrow.TimeUnit> = {
  s: arrow.TimeUnit.SECOND,
  ms: arrow.TimeUnit.MILLISECOND,
  us: arrow.TimeUnit.MICROSECOND,
  ns: arrow.TimeUnit.NANOSECOND,
};

const FROM_ARROW_UNIT: Record<number, TimeUnit> = {
  [arrow.TimeUnit.SECOND]: 's',
  [arrow.TimeUnit.MILLISECOND]: 'ms',
  [arrow.TimeUnit.MICROSECOND]: 'us',
  [arrow.TimeUnit.NANOSECOND]: 'ns',
};

/** The Arrow type fv writes for a column of fv type `t`. */
export function fvTypeToArrow(t: FvType): arrow.DataType {
  switch (t.kind) {
    case 'int8': return new arrow.Int8();
    case 'int16': return new arrow.Int16();
    case 'int32': return new arrow.Int32();
    case 'int64': return new arrow.Int64();
    case 'uint8': return new arrow.Uint8();
    case 'uint16': return new arrow.Uint16();
    case 'uint32': return new arrow.Uint32();
    case 'uint64': return new arrow.Uint64();
    case 'float32': return new arrow.Float32();
    case 'float64': return new arrow.Float64();
    case 'bool': return new arrow.Bool();
    case 'utf8': return new arrow.Utf8();
    case 'large_utf8': return new arrow.LargeUtf8();
    case 'binary': return new arrow.Binary();
    case 'date32': return new arrow.DateDay();
    // A null timezone means "naive" (no tz in the schema); Arrow JS uses
    // null/undefined for that too.
    case 'timestamp': return new arrow.Timestamp(TO_ARROW_UNIT[t.unit], t.tz);
    // fv decimals are always 128-bit; Arrow's constructor order is (scale, precision, bitWidth).
    case 'decimal': return new arrow.Decimal(t.scale, t.precision, 128);
  }
}

function unsupported(columnName: string, t: arrow.DataType, why = ''): FvError {
  return new FvError('UNSUPPORTED', `column "${columnName}": Arrow type ${String(t)} is not supported${why}`, {
    hint: 'supported: int8..int64, uint8..uint64, float32, float64, bool, utf8, large_utf8, binary, date32, timestamp, decimal128',
  });
}

function intKind(t: arrow.Int): IntKind | null {
  switch (t.bitWidth) {
    case 8: return t.isSigned ? 'int8' : 'uint8';
    case 16: return t.isSigned ? 'int16' : 'uint16';
    case 32: return t.isSigned ? 'int32' : 'uint32';
    case 64: return t.isSigned ? 'int64' : 'uint64';
    default: return null;
  }
}

/**
 * The fv type of an Arrow column. `columnName` is only used in error messages.
 * Throws FvError UNSUPPORTED for any Arrow type fv cannot carry exactly.
 */
export function arrowTypeToFv(t: arrow.DataType, columnName: string): FvType {
  switch (t.typeId) {
    case arrow.Type.Int: {
      const kind = intKind(t as arrow.Int);
      if (kind === null) throw unsupported(columnName, t);
      return { kind };
    }
    case arrow.Type.Float: {
      const p = (t as arrow.Float).precision;
      if (p === arrow.Precision.SINGLE) return { kind: 'float32' };
      if (p === arrow.Precision.DOUBLE) return { kind: 'float64' };
      throw unsupported(columnName, t); // float16
    }
    case arrow.Type.Bool: return { kind: 'bool' };
    // Utf8View (polars' native string layout) carries the same values as Utf8.
    case arrow.Type.Utf8:
    case arrow.Type.Utf8View: return { kind: 'utf8' };
    case arrow.Type.LargeUtf8: return { kind: 'large_utf8' };
    // fv has a single binary type; the value (a Uint8Array) is the same whatever the offset width.
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary:
    case arrow.Type.BinaryView: return { kind: 'binary' };
    case arrow.Type.Date: {
      if ((t as arrow.Date_).unit === arrow.DateUnit.DAY) return { kind: 'date32' };
      // date64 (milliseconds) has no exact fv counterpart: silently turning it
      // into days could drop a time-of-day, and into a timestamp would change
      // the column's declared type. Make the user choose.
      throw unsupported(columnName, t, ' (date64; cast it to date32 or timestamp[ms] before importing)');
    }
    case arrow.Type.Timestamp: {
      const ts = t as arrow.Timestamp;
      const unit = FROM_ARROW_UNIT[ts.unit];
      if (unit === undefined) throw unsupported(columnName, t);
      // An empty timezone string is not a zone; treat it as naive.
      const tz = ts.timezone === undefined || ts.timezone === null || ts.timezone === '' ? null : ts.timezone;
      return { kind: 'timestamp', unit, tz };
    }
    case arrow.Type.Decimal: {
      const d = t as arrow.Decimal;
      if (d.bitWidth !== 128) throw unsupported(columnName, t, ` (decimal${d.bitWidth}; only decimal128 is supported)`);
      if (!(d.precision >= 1 && d.precision <= 38 && d.scale >= 0 && d.scale <= d.precision)) {
        throw unsupported(columnName, t, ' (precision must be 1..38 and 0 <= scale <= precision)');
      }
      return { kind: 'decimal', precision: d.precision, scale: d.scale };
    }
    case arrow.Type.Dictionary: {
      // Dictionary encoding is a storage detail: the column's values are the
      // dictionary's values, so its fv type is the dictionary value type.
      const dict = t as arrow.Dictionary;
      if (dict.dictionary.typeId === arrow.Type.Dictionary) throw unsupported(columnName, t);
      return arrowTypeToFv(dict.dictionary, columnName);
    }
    default:
      throw unsupported(columnName, t);
  }
}
