namespace Stockade.Analysis;
