import { ProjectionDeadLetters1767300000000 } from '@voltstream/platform';
import { FeedsReadModel1733200000000 } from './1733200000000-feeds-read-model';
import { MostFollowed1733300000000 } from './1733300000000-most-followed';
import { FeedSizes1733400000000 } from './1733400000000-feed-sizes';

/** feeds-query's read model migrations, oldest first. */
export const FEEDS_READ_MIGRATIONS = [
  FeedsReadModel1733200000000,
  MostFollowed1733300000000,
  FeedSizes1733400000000,
  ProjectionDeadLetters1767300000000,
];
