using Microsoft.Extensions.Logging;

namespace Stockade.Hosting.Audit;

internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Audit write failed in {Directory}; {RecordsLost} record(s) not written")]
    public static partial void WriteFailed(ILogger logger, Exception exception, int recordsLost, string directory);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "An audit RecordWritten listener threw (record seq {Seq}); ignored")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, long seq);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Final fsync of the audit log in {Directory} failed")]
    public static partial void FinalFsyncFailed(ILogger logger, Exception exception, string directory);
}
