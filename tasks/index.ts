// Role tasks, one module per actor. Each registers its tasks on import; the role library itself is only
// loaded when a task runs (see common.ts).
import "./contributor";
import "./validator";
import "./holder";
import "./buyer";
import "./custodian";
import "./keys";
import "./dev";
import "./refine";
import "./deploy";
import "./store";
