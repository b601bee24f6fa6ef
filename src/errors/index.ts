export {
  type BuiltinErrorName,
  type DataCoopErrorName,
  type DecodeErrorOptions,
  type DecodedError,
  decodeError,
  revertDataOf,
} from "./decode";
