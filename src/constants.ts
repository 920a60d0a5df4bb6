// Defaults of the cloud session service and the one-process cloud. Units in the names;
// the reason for each number beside it.
