namespace Stockade.Protocol;
