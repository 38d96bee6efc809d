"""Built-in ops: each a `Function` subclass, defined exactly as a user would define one."""
