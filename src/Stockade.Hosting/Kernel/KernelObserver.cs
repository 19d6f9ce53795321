using Stockade.Linux;
using Stockade.Linux.Seccomp;

namespace Stockade.Hosting.Kernel;

/// <summary>
/// One thread for every worker of the process: waits (poll) on each worker's report socket and seccomp listener, reads
/// reports, answers denied calls. A denied call costs one round trip to this thread; allowed calls never reach it.
/// </summary>
internal sealed class KernelObserver
{
    private static readonly Lazy<KernelObserver> SharedInstance = new(() => new KernelObserver());
    private readonly Lock _gate = new();
    private readonly List<WorkerKernelChannel> _channels = [];
    private readonly SafeFdHandle _wakeup = DescriptorWait.NewWakeup();

    private KernelObserver()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "Stockade kernel observer" };
        thread.Start();
    }

    public static KernelObserver Shared => SharedInstance.Value;

    /// <summary>Channels being observed (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _channels.Count;
            }
        }
    }

    public void Add(WorkerKernelChannel channel)
    {
        lock (_gate)
        {
            _channels.Add(channel);
        }

        Wake();
    }

    public void Wake() => DescriptorWait.Wake(_wakeup);

    private void Run()
    {
        var fds = new Interop.pollfd[16];
        var owners = new (WorkerKernelChannel Channel, bool Listener)[16];
        while (true)
        {
            int count = 1;
            fds[0] = new Interop.pollfd { fd = _wakeup.Fd, events = Interop.POLLIN };
            lock (_gate)
            {
                for (int i = _channels.Count - 1; i >= 0; i--)
                {
                    var channel = _channels[i];
                    if (channel.IsDisposed || (channel.HostFd < 0 && channel.ListenerFd < 0))
                    {
                        channel.CloseDescriptors();
                        _channels.RemoveAt(i);
                        continue;
                    }

                    EnsureRoom(ref fds, ref owners, count + 2);
                    if (channel.HostFd >= 0)
                    {
                        owners[count] = (channel, false);
                        fds[count++] = new Interop.pollfd { fd = channel.HostFd, events = Interop.POLLIN };
                    }

                    if (channel.ListenerFd >= 0)
                    {
                        owners[count] = (channel, true);
                        fds[count++] = new Interop.pollfd { fd = channel.ListenerFd, events = Interop.POLLIN };
                    }
                }
            }

            try
            {
                DescriptorWait.Poll(fds, count, -1);
                if (fds[0].revents != 0)
                {
                    DescriptorWait.Drain(_wakeup);
                }

                for (int i = 1; i < count; i++)
                {
                    short events = fds[i].revents;
                    if (events == 0)
                    {
                        continue;
                    }

                    var (channel, listener) = owners[i];
                    if (!listener)
                    {
                        channel.ReadReports();
                    }
                    else if ((events & Interop.POLLIN) != 0 && channel.ListenerFd == fds[i].fd)
                    {
                        channel.AnswerOne();
                    }
                    else if (channel.ListenerFd == fds[i].fd)
                    {
                        // POLLHUP: every task using the filter has exited.
                        channel.CloseListener();
                    }
                }
            }
            catch (Exception)
            {
                // Never let the observer die: a worker whose call cannot be answered gets ENOSYS once its listener closes.
                Thread.Sleep(10);
            }
        }
    }

    private static void EnsureRoom(ref Interop.pollfd[] fds, ref (WorkerKernelChannel, bool)[] owners, int needed)
    {
        if (needed > fds.Length)
        {
            Array.Resize(ref fds, needed * 2);
            Array.Resize(ref owners, needed * 2);
        }
    }
}
