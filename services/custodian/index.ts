export { type CustodianDaemon, type CustodianDaemonOptions, startCustodianDaemon } from "./daemon";
export { type SharePosted, type CustodyAdapter, type ShareProgress, custodyAdapter } from "./delivery";
export { type LogLevel, type LogSink, jsonLogger } from "./log";
export { type RequestState, type TrackedRequest, CustodianState, CustodianStateError } from "./state";
