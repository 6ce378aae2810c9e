// Prints a port-like line at once, then waits for stdin to close, like a plugin waiting for SIGINT.
Console.Out.Write("1\n");
Console.Out.Flush();
Console.In.ReadToEnd();
