using Stockade.Cli.Infrastructure;

// Composition only: the commands live in Commands/, one file each.
return await CliApplication.RunAsync(args, CliConsole.CreateDefault()).ConfigureAwait(false);
