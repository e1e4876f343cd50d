import 'reflect-metadata';
import { bootSkeletonService } from '@voltstream/platform';

// Skeleton only: the domain arrives with its own issue.
bootSkeletonService('identity', 4001);
