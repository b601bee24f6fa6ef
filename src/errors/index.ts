export {
  type BuiltinErrorName,
  type DataCoopErrorName,
  type DecodeErrorOptions,
  type DecodedError,
  decodeError,
  revertDataOf,
} from "./decode";
export { ERROR_MESSAGES, type ErrorArgs, type ErrorMessages, errorMessage, formatDecodedError } from "./messages";
