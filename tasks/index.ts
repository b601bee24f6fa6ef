// Role tasks are registered here.
export {};
