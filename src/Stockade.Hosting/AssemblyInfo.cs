namespace Stockade.Hosting;
