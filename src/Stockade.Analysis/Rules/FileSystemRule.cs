using Stockade.Analysis.Metadata;

namespace Stockade.Analysis.Rules;

/// <summary>STK0002: the plugin reads, writes or deletes files through System.IO.</summary>
internal sealed class FileSystemRule : IAnalysisRule
{
    private static readonly HashSet<string> FileTypes = new(StringComparer.Ordinal)
    {
        "System.IO.File", "System.IO.Directory", "System.IO.FileStream", "System.IO.FileInfo",
        "System.IO.DirectoryInfo", "System.IO.FileSystemInfo", "System.IO.FileSystemWatcher",
        "System.IO.RandomAccess", "System.IO.MemoryMappedFiles.MemoryMappedFile",
    };

    // Readers and writers are only file access when constructed from a path.
    private static readonly HashSet<string> PathConstructedTypes = new(StringComparer.Ordinal)
    {
        "System.IO.StreamReader", "System.IO.StreamWriter",
    };

    public string Id => "STK0002";
    public string Title => "File system access";
    public AnalysisSeverity Severity => AnalysisSeverity.Warning;
    public string? RequiredPermission => "file:*";

    public void VisitCall(AssemblyScan scan, in CallSite call)
    {
        string permission;
        if (FileTypes.Contains(call.TargetType))
        {
            permission = "file:" + ActionOf(call.TargetType, call.TargetName);
        }
        else if (PathConstructedTypes.Contains(call.TargetType) && call.TargetName == ".ctor" && call.GetFirstParameterType() == "System.String")
        {
            permission = call.TargetType.EndsWith("Writer", StringComparison.Ordinal) ? "file:write" : "file:read";
        }
        else
        {
            return;
        }

        scan.Report(this, call, $"Accesses files ({call.Evidence}); declare '{permission}=<path>' with the narrowest path ($PLUGIN_DATA, $TEMP…).", permission);
    }

    /// <summary>Read, write or delete from the member name; <c>*</c> when the name does not say (e.g. a FileStream constructor).</summary>
    private static string ActionOf(string type, string member)
    {
        if (member.StartsWith("Delete", StringComparison.Ordinal))
        {
            return "delete";
        }

        if (member.StartsWith("Read", StringComparison.Ordinal) || member is "OpenRead" or "OpenText"
            || member.StartsWith("Exists", StringComparison.Ordinal) || member.StartsWith("Enumerate", StringComparison.Ordinal)
            || member.StartsWith("GetFiles", StringComparison.Ordinal) || member.StartsWith("GetDirectories", StringComparison.Ordinal)
            || member.StartsWith("GetFileSystemEntries", StringComparison.Ordinal) || member.StartsWith("get_", StringComparison.Ordinal)
            || member.StartsWith("GetLastWriteTime", StringComparison.Ordinal) || member.StartsWith("GetCreationTime", StringComparison.Ordinal)
            || member.StartsWith("GetLastAccessTime", StringComparison.Ordinal) || member.StartsWith("GetAttributes", StringComparison.Ordinal))
        {
            return "read";
        }

        if (member.StartsWith("Write", StringComparison.Ordinal) || member.StartsWith("Append", StringComparison.Ordinal)
            || member.StartsWith("Create", StringComparison.Ordinal) || member.StartsWith("Copy", StringComparison.Ordinal)
            || member.StartsWith("Move", StringComparison.Ordinal) || member.StartsWith("Replace", StringComparison.Ordinal)
            || member.StartsWith("Set", StringComparison.Ordinal) || member.StartsWith("set_", StringComparison.Ordinal)
            || member is "OpenWrite")
        {
            return "write";
        }

        return type == "System.IO.FileSystemWatcher" ? "read" : "*";
    }
}
